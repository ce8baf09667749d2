/** Types of longFrames.mjs (its tests are TypeScript). */
export interface FrameScript {
  invoker: string;
  fn: string;
  file: string;
  char: number;
  ms: number;
  forcedLayoutMs: number;
}
export interface LongFrame {
  t: number;
  ms: number;
  blockingMs: number;
  renderMs: number;
  styleLayoutMs: number;
  scripts: FrameScript[];
}
export function observeLongFrames(): void;
export function framesDuring(frames: LongFrame[], from: number, to: number): LongFrame[];
export function describeFrame(f: LongFrame): string;
