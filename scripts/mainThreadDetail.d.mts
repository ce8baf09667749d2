/** Types of mainThreadDetail.mjs (its tests are TypeScript). */
export interface TraceEvent {
  name: string;
  ts: number;
  dur: number;
  tdur?: number;
  args?: { data?: { functionName?: string; url?: string; type?: string } };
}
export interface CpuProfile {
  startTime: number;
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}
export interface Sample {
  t: number;
  dt: number;
  fn: string;
}
export interface TracedTask {
  ts: number;
  wall: number;
  cpu: number;
}
export const DETAIL_CATEGORIES: string;
export function sampleTimes(profile: CpuProfile | null): Sample[];
export function describeTasks(
  tasks: TracedTask[],
  events: TraceEvent[],
  samples: Sample[],
): { wallMs: number; cpuMs: number; parts: string[]; js: string[] }[];
export function describeWindow(events: TraceEvent[], samples: Sample[]): { parts: string[]; js: string[] };
