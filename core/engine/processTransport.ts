import type { Envelope, Transport } from '../../protocol/rpc';

/** The engine's side of the IPC channel its parent opened with `fork(..., { serialization: 'advanced' })`,
 * which carries typed arrays as binary (structured clone), not as JSON. */
export function processTransport(proc: NodeJS.Process = process): Transport {
  if (!proc.send) throw new Error('The engine must be started with an IPC channel (child_process.fork).');
  return {
    post: (message: Envelope) => {
      proc.send?.(message);
    },
    onMessage: (handler) => {
      proc.on('message', handler);
      return () => proc.off('message', handler);
    },
  };
}
