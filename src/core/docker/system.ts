import * as fs from 'node:fs';
import * as os from 'node:os';
import type { EndpointInputs } from './endpoint';

/** Endpoint inputs read from this machine: the process environment and the real docker config folder. */
export function systemEndpointInputs(settings: Pick<EndpointInputs, 'hostFlag' | 'hostSetting' | 'contextSetting'> = {}, env: NodeJS.ProcessEnv = process.env): EndpointInputs {
  return {
    ...settings,
    env,
    homeDir: os.homedir(),
    platform: process.platform,
    readFile: (file) => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
    },
    listDir: (dir) => {
      try {
        return fs.readdirSync(dir);
      } catch {
        return [];
      }
    },
  };
}
