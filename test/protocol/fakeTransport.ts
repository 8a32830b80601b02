import type { Envelope, Transport } from '../../protocol/rpc';

/** Two transports wired to each other, delivering asynchronously like real channels. Messages can be
 * inspected (`sent`) and raw junk injected (`inject`) to test validation. */
export function transportPair(): { a: Transport & FakeControls; b: Transport & FakeControls } {
  const make = (): Transport & FakeControls & { peer?: Transport & FakeControls } => {
    const handlers = new Set<(m: unknown) => void>();
    const t: Transport & FakeControls & { peer?: Transport & FakeControls } = {
      sent: [],
      post(message: Envelope) {
        t.sent.push(message);
        const peer = t.peer;
        if (!peer) throw new Error('not connected');
        queueMicrotask(() => peer.inject(message));
      },
      onMessage(handler) {
        handlers.add(handler);
        return () => handlers.delete(handler);
      },
      inject(raw: unknown) {
        for (const h of handlers) h(raw);
      },
    };
    return t;
  };
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return { a, b };
}

export interface FakeControls {
  sent: Envelope[];
  inject(raw: unknown): void;
}
