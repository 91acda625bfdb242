/** Where time comes from. Tests pass one they can move (the WhatsApp 24-hour window, SLA). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that stands still until moved: `advance(ms)` or `set(date)`. */
export function manualClock(start: Date | number = Date.now()): Clock & { advance(ms: number): void; set(at: Date | number): void } {
  let current = typeof start === 'number' ? start : start.getTime();
  return {
    now: () => current,
    advance: (ms) => void (current += ms),
    set: (at) => void (current = typeof at === 'number' ? at : at.getTime()),
  };
}
