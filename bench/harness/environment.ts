import os from 'node:os';

/** Where and when the figures were taken. */
export interface Environment {
  readonly date: string;
  readonly node: string;
  readonly cores: number;
  readonly cpu: string;
  readonly platform: string;
  /** The 1-minute load average when the run started: other work on the machine skews the figures. */
  readonly loadAverage: number;
}

/** Describes this machine and this moment. */
export function currentEnvironment(): Environment {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    node: process.version,
    cores: os.availableParallelism?.() ?? cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg()[0] ?? Number.NaN,
  };
}
