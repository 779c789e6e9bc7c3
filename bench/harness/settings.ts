import type { PoolModuleExports } from '../subjects/pool-module.js';
import type { Section } from './table.js';

/** What every scenario gets: the package under test and how long to measure. */
export interface BenchSettings {
  readonly pool: PoolModuleExports;
  /** Interleaved rounds per throughput scenario. */
  readonly rounds: number;
  /** Milliseconds per task per round. */
  readonly timeMs: number;
  /** 1 for the full run; smaller for `--quick`, which scales the key and waiter counts down. */
  readonly scale: number;
}

/** Headline figures a scenario hands to the targets table, by name. */
export type Figures = Record<string, number>;

/** What a scenario returns: its tables, and its headline figures. */
export interface ScenarioOutput {
  readonly sections: Section[];
  readonly figures: Figures;
}
