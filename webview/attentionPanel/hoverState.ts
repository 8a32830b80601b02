/**
 * Which token the head view isolates: hovering shows a token's lines while the pointer is on it;
 * clicking locks it (hover then changes nothing) until it is clicked again. A tiny state machine,
 * tested apart from the drawing.
 */
export interface TokenRef {
  side: 'query' | 'key';
  index: number;
}

export interface HoverState {
  hovered?: TokenRef;
  locked?: TokenRef;
}

const same = (a?: TokenRef, b?: TokenRef) => !!a && !!b && a.side === b.side && a.index === b.index;

export function hover(state: HoverState, token: TokenRef | undefined): HoverState {
  return { ...state, hovered: token };
}

export function click(state: HoverState, token: TokenRef): HoverState {
  return { ...state, locked: same(state.locked, token) ? undefined : token };
}

/** The token whose lines are shown alone, if any: the locked one wins over the hovered one. */
export function focused(state: HoverState): TokenRef | undefined {
  return state.locked ?? state.hovered;
}
