/**
 * The last few results of a kind, by id: what the engine keeps so that panels can fetch pages of a
 * capture, a beam decode or an explanation after the answer. The oldest goes when the store is full;
 * asking for it then is a not-found error that says what to do.
 */
import { RpcError } from '../../protocol/rpc';

export class BoundedStore<T> {
  private nextId = 1;
  private readonly items = new Map<number, T>();

  /** `expired(id)` is the message for an id no longer (or never) kept. */
  constructor(
    private readonly capacity: number,
    private readonly expired: (id: number) => string,
  ) {}

  add(item: T): number {
    const id = this.nextId++;
    this.items.set(id, item);
    while (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value as number);
    return id;
  }

  get(id: number): T {
    if (!this.items.has(id)) throw new RpcError('not-found', this.expired(id));
    return this.items.get(id) as T;
  }
}
