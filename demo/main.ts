// The demo: `npm start -- --help` lists its options.
import { InspectRelayError } from '../src/inspect/index.js';
import { MetricsServerError } from './metrics-server.js';
import { DemoOptionError, parseDemoOptions, usage } from './options.js';
import { runRedisDemo } from './redis-demo.js';
import { RedisServerError } from './redis-server.js';
import { runDemo } from './run-demo.js';

try {
  const options = parseDemoOptions(process.argv.slice(2));
  if ('help' in options) {
    console.log(usage);
  } else if (options.redis) {
    await runRedisDemo(options, { stream: process.stdout, isTerminal: process.stdout.isTTY === true });
  } else {
    await runDemo(options, { stream: process.stdout, isTerminal: process.stdout.isTTY === true });
  }
} catch (error) {
  if (error instanceof DemoOptionError) {
    console.error(`${error.message}\nSee npm start -- --help`);
    process.exitCode = 2;
  } else if (error instanceof RedisServerError) {
    console.error(error.message);
    process.exitCode = 1;
  } else if (error instanceof InspectRelayError) {
    console.error(`${error.message}\nTry another --inspect-port.`);
    process.exitCode = 1;
  } else if (error instanceof MetricsServerError) {
    console.error(`${error.message}\nTry another port: --metrics PORT.`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
