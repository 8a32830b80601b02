/**
 * Applies BPE merges to one word: repeatedly merge the adjacent pair with the lowest rank (the
 * earliest line of merges.txt), the leftmost one on ties, until no adjacent pair has a rank. This
 * is the order Hugging Face's tokenizers use. Symbols sit in a linked list and candidate pairs in a
 * binary heap, so a word of n symbols costs O(n log n), not the O(n^2) of rescanning: a long run
 * of letters with no space (a hash, minified code) stays fast.
 */

/** Merge ranks: `ranks.get(left)?.get(right)` is the rank of merging `left right`. */
export type MergeRanks = Map<string, Map<string, number>>;

export function mergeRanks(merges: Iterable<readonly [string, string]>): MergeRanks {
  const ranks: MergeRanks = new Map();
  let rank = 0;
  for (const [a, b] of merges) {
    let row = ranks.get(a);
    if (!row) ranks.set(a, (row = new Map()));
    if (!row.has(b)) row.set(b, rank);
    rank++;
  }
  return ranks;
}

/** Candidate merges ordered by (rank, left position). */
class PairHeap {
  private readonly rank: number[] = [];
  private readonly left: number[] = [];
  /** The symbols the pair joined when pushed: a popped pair is stale if they changed since. */
  private readonly leftSym: string[] = [];
  private readonly rightSym: string[] = [];

  get size(): number {
    return this.rank.length;
  }

  push(rank: number, left: number, leftSym: string, rightSym: string): void {
    this.rank.push(rank);
    this.left.push(left);
    this.leftSym.push(leftSym);
    this.rightSym.push(rightSym);
    let i = this.rank.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { rank: number; left: number; leftSym: string; rightSym: string } {
    const top = { rank: this.rank[0], left: this.left[0], leftSym: this.leftSym[0], rightSym: this.rightSym[0] };
    const last = this.rank.length - 1;
    this.swap(0, last);
    this.rank.pop();
    this.left.pop();
    this.leftSym.pop();
    this.rightSym.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.rank.length && this.less(l, m)) m = l;
      if (r < this.rank.length && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }

  private less(i: number, j: number): boolean {
    return this.rank[i] < this.rank[j] || (this.rank[i] === this.rank[j] && this.left[i] < this.left[j]);
  }

  private swap(i: number, j: number): void {
    [this.rank[i], this.rank[j]] = [this.rank[j], this.rank[i]];
    [this.left[i], this.left[j]] = [this.left[j], this.left[i]];
    [this.leftSym[i], this.leftSym[j]] = [this.leftSym[j], this.leftSym[i]];
    [this.rightSym[i], this.rightSym[j]] = [this.rightSym[j], this.rightSym[i]];
  }
}

/**
 * Merges `symbols` (the word's initial symbols, e.g. one per byte) and returns the final symbols
 * with the index of the first initial symbol each covers.
 */
export function applyMerges(symbols: readonly string[], ranks: MergeRanks): { symbols: string[]; starts: number[] } {
  const n = symbols.length;
  const sym = [...symbols];
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  const heap = new PairHeap();
  const consider = (left: number) => {
    const right = next[left];
    if (left < 0 || right < 0) return;
    const rank = ranks.get(sym[left])?.get(sym[right]);
    if (rank !== undefined) heap.push(rank, left, sym[left], sym[right]);
  };
  for (let i = 0; i + 1 < n; i++) consider(i);
  const alive = new Uint8Array(n).fill(1);
  while (heap.size > 0) {
    const { left, leftSym, rightSym } = heap.pop();
    const right = next[left];
    if (!alive[left] || right < 0 || sym[left] !== leftSym || sym[right] !== rightSym) continue; // stale
    sym[left] = leftSym + rightSym;
    alive[right] = 0;
    next[left] = next[right];
    if (next[right] >= 0) prev[next[right]] = left;
    consider(prev[left]);
    consider(left);
  }
  const out: string[] = [];
  const starts: number[] = [];
  for (let i = 0; i >= 0 && i < n; i = next[i]) {
    out.push(sym[i]);
    starts.push(i);
  }
  return { symbols: out, starts };
}
