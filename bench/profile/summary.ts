/** The parts of a V8 `.cpuprofile` this summary reads. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a sample's own time went. */
export type Share = 'XState engine' | 'garbage collector' | 'this package' | 'Node and the benchmark';

/** A profile's self time by share, and the functions with the most self time. */
export interface ProfileSummary {
  readonly shares: ReadonlyMap<Share, number>;
  readonly top: readonly { readonly name: string; readonly share: number }[];
}

function shareOf(url: string, functionName: string): Share {
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (url.includes('/node_modules/xstate/')) return 'XState engine';
  if (url.includes('/bench/.build/') || url.includes('/src/')) return 'this package';
  return 'Node and the benchmark';
}

/** Sums each sample's time onto the function it was taken in (self time), as fractions of the whole. */
export function summarizeProfile(profile: CpuProfile, topCount = 10): ProfileSummary {
  const nodeById = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const shares = new Map<Share, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const frame = nodeById.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)' || frame.functionName === '(program)') return;
    total += delta;
    const file = frame.url.split('/').slice(-1)[0] || '(native)';
    const name = `${frame.functionName || '(anonymous)'} ${file}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + delta);
    const share = shareOf(frame.url, frame.functionName);
    shares.set(share, (shares.get(share) ?? 0) + delta);
  });
  const top = [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topCount)
    .map(([name, time]) => ({ name, share: time / total }));
  return { shares: new Map([...shares].map(([share, time]) => [share, time / total])), top };
}
