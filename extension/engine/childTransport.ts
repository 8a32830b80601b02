import type { ChildProcess } from 'node:child_process';
import type { Envelope, Transport } from '../../protocol/rpc';

/** The host's side of the IPC channel to the engine (forked with advanced serialization). */
export function childTransport(child: ChildProcess): Transport {
  return {
    post: (message: Envelope) => {
      if (!child.connected) throw new Error('the engine process is not connected');
      child.send(message);
    },
    onMessage: (handler) => {
      child.on('message', handler);
      return () => child.off('message', handler);
    },
  };
}
