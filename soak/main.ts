// Soak: random traffic from the model tests' command generator against one long-lived pool, checked against the
// model and the invariants after every command. Run: npm run soak -- --minutes 10 [--epoch 2000] [--seed N]
import { readSoakOptions } from './options.js';
import { runSoak, SoakFailure, type SoakProgress } from './run-soak.js';

const options = readSoakOptions(process.argv.slice(2));
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const line = (p: SoakProgress) =>
  [
    p.minutes.toFixed(1).padStart(6),
    String(p.commands).padStart(9),
    p.commandsPerSecond.toFixed(0).padStart(10),
    String(p.checks).padStart(9),
    String(p.epochs).padStart(6),
    String(p.leasesIssued).padStart(13),
    mib(p.heapBytes).padStart(8),
  ].join('  ');

console.log(`soak: ${options.minutes} min, epochs of up to ${options.epoch} commands, seed ${options.seed}`);
console.log('minute   commands  commands/s     checks  epochs  leases-issued  heap MiB');
try {
  const result = await runSoak(options, (p) => console.log(line(p)));
  console.log(line(result));
  console.log(
    `soak: passed: ${result.commands} commands, ${result.checks} checks, ${result.epochs} epochs, ` +
      `${result.leasesIssued} leases issued; heap ${mib(result.heapBytesAtStart)} → ${mib(result.heapBytes)} MiB`,
  );
} catch (error) {
  if (!(error instanceof SoakFailure)) throw error;
  console.error(error.message);
  console.error(`replay: npm run soak -- --seed ${error.seed - error.epoch} --epoch ${options.epoch}`);
  console.error(error.story.join('\n'));
  console.error(error.cause);
  process.exitCode = 1;
}
