/** Something that happened to a run's traffic (a purge, an edge killed or taken down), for its report. */
export interface ScenarioEvent {
  /** ms since the measured phase began. */
  at: number;
  what: string;
}
