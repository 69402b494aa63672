// Serves the synthetic cluster from its own process, as a real engine would: the benchmark then
// measures only the client's work on its side of the socket.
import { startEngineReplay } from '../test/replay/engineReplay';
import { syntheticCluster, Size } from './syntheticCluster';

const size = JSON.parse(process.argv[2]) as Size;
void startEngineReplay(syntheticCluster(size)).then((replay) => {
  process.on('message', async (message: string) => {
    if (message === 'requests') process.send!({ requests: replay.requests.splice(0) });
    if (message === 'close') {
      await replay.close();
      process.exit(0);
    }
  });
  process.send!({ host: replay.host });
});
