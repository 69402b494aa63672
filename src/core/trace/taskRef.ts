import type { Task } from '../cluster/types';
import type { TaskRef } from './types';

/** A task as a trace names it: enough to find it in the tree and on the node. */
export function taskRef(task: Task): TaskRef {
  return { id: task.id, name: task.name, service: task.serviceName, node: task.nodeName, state: task.state, containerId: task.containerId };
}
