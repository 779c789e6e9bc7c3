// A TypeDoc plugin for the exported XState machines. Their TypeScript type is
// `StateMachine<…>` with some fifteen type arguments, several of them the
// anonymous object types of the machine's whole config (states, transitions,
// guards, actions). TypeDoc would render all of it and ask for a doc comment
// on every transition. The page of a machine shows `StateMachine` instead; its
// doc comment links the context, event and emitted types a user needs.
import { Converter, ReferenceType, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const { project } = context;
    for (const machine of project.getReflectionsByKind(ReflectionKind.Variable)) {
      const type = machine.type;
      if (!(type instanceof ReferenceType) || type.name !== 'StateMachine' || type.package !== 'xstate') continue;
      type.typeArguments = undefined;
      // The reflections of the config's object types hang under the machine.
      for (const reflection of Object.values(project.reflections)) {
        if (reflection !== machine && descendsFrom(reflection, machine)) project.removeReflection(reflection);
      }
    }
  });
}

/**
 * @param {import('typedoc').Reflection} reflection
 * @param {import('typedoc').Reflection} ancestor
 */
function descendsFrom(reflection, ancestor) {
  for (let r = reflection.parent; r; r = r.parent) if (r === ancestor) return true;
  return false;
}
