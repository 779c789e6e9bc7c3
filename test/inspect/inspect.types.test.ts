// Type tests of the inspect entry: `npm run typecheck` compiles them under
// this project's `exactOptionalPropertyTypes`. Nothing is started.
import { describe, expectTypeOf, test } from 'vitest';
import { createPool, type InspectObserver } from '../../src/index.js';
import {
  type InspectRelay,
  type InspectRelayOptions,
  type InspectSession,
  type InspectSessionOptions,
  startInspectRelay,
  startInspectSession,
} from '../../src/inspect/index.js';
import { createRedisPool } from '../../src/redis/index.js';

describe('the inspect entry', () => {
  test('startInspectRelay resolves to a relay, startInspectSession to a session', () => {
    expectTypeOf(startInspectRelay).returns.resolves.toEqualTypeOf<InspectRelay>();
    expectTypeOf(startInspectSession).returns.resolves.toEqualTypeOf<InspectSession>();
  });

  test("a session's inspect is what createPool and createRedisPool take", () => {
    expectTypeOf<InspectSession['inspect']>().toEqualTypeOf<InspectObserver>();
    function connect(session: InspectSession) {
      createPool({ inspect: session.inspect });
      void createRedisPool({ redis: undefined, name: 'n', inspect: session.inspect });
    }
    expectTypeOf(connect).toBeFunction();
  });

  test('a port that is not a number is a compile error', () => {
    function misuse() {
      // @ts-expect-error: the port is a number
      void startInspectRelay({ port: '8080' });
    }
    expectTypeOf(misuse).toBeFunction();
  });
});

describe('options take undefined where it means absent (exactOptionalPropertyTypes)', () => {
  test('every option is T | undefined', () => {
    expectTypeOf<InspectRelayOptions['port']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<InspectRelayOptions['host']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<InspectRelayOptions['autoOpen']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<InspectRelayOptions['inspectorUrl']>().toEqualTypeOf<string | undefined>();
  });

  // Never called: compiling is the test.
  function withMaybes(port: number | undefined, host: string | undefined, open: boolean | undefined) {
    const options: InspectSessionOptions = { port, host, autoOpen: open, inspectorUrl: undefined };
    void startInspectRelay({ port, host, autoOpen: open, inspectorUrl: undefined });
    void startInspectSession(options);
  }

  test('startInspectRelay and startInspectSession compile with options that may be undefined', () => {
    expectTypeOf(withMaybes).toBeFunction();
  });
});
