/** Milliseconds since the epoch. The live edge passes Date.now; a trace simulator passes trace time. */
export type Clock = () => number;

export const wallClock: Clock = () => Date.now();
