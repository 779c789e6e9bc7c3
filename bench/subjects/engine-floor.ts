import { type AnyActorRef, assign, createActor, setup } from 'xstate';

const counterMachine = setup({
  types: { context: {} as { count: number }, events: {} as { type: 'count.add' } },
}).createMachine({
  context: { count: 0 },
  on: { 'count.add': { actions: assign({ count: ({ context }) => context.count + 1 }) } },
});

/**
 * The engine floor: a started actor whose only transition is a trivial
 * `assign`, and a function that sends it `n` events. One such send is the
 * unit ("event-equivalent") the pool's costs are counted in.
 */
export function trivialSender(): { actor: AnyActorRef; send: (n: number) => void } {
  const actor = createActor(counterMachine).start();
  const event = { type: 'count.add' } as const;
  return {
    actor,
    send(n) {
      for (let i = 0; i < n; i++) actor.send(event);
    },
  };
}
