/**
 * Benchmark harness: CPU time per operation (steadier than wall-clock on these 2-core machines),
 * always reported as a ratio against a baseline measured in the same run.
 */

export interface Measure {
  readonly name: string
  /** Median CPU nanoseconds per operation over the rounds. */
  readonly ns: number
}

/**
 * CPU ns/op of a synchronous operation alone: a one-variant {@link cpuInterleaved} (warm-up, then
 * `rounds` timed batches; the median batch wins).
 */
export const cpu = (name: string, op: () => unknown, options?: { iterations?: number; rounds?: number }): Measure => {
  const iterations = options?.iterations ?? 200_000
  return cpuInterleaved([[name, op]], {
    iterations,
    rounds: options?.rounds ?? 7,
    warmup: Math.min(iterations, 50_000)
  })[0]!
}

/**
 * CPU ns/op of several synchronous variants measured in interleaved rounds (round 1 of each, then
 * round 2 of each, …), each reporting its median round: a subject and its baseline see the same
 * drift of a shared machine, where back-to-back measurements would hand it to one of them.
 */
export const cpuInterleaved = (
  variants: ReadonlyArray<readonly [name: string, op: () => unknown]>,
  options?: { readonly iterations?: number; readonly rounds?: number; readonly warmup?: number }
): ReadonlyArray<Measure> => {
  const iterations = options?.iterations ?? 100_000
  const rounds = options?.rounds ?? 9
  const warmup = options?.warmup ?? 50_000
  let sink: unknown
  for (const [, op] of variants) for (let i = 0; i < warmup; i++) sink = op()
  const samples = variants.map(() => [] as Array<number>)
  for (let r = 0; r < rounds; r++) {
    for (let v = 0; v < variants.length; v++) {
      const op = variants[v]![1]
      const t0 = process.cpuUsage()
      for (let i = 0; i < iterations; i++) sink = op()
      const t = process.cpuUsage(t0)
      samples[v]!.push(((t.user + t.system) * 1000) / iterations)
    }
  }
  ;(globalThis as any).__benchSink = sink
  return variants.map(([name], v) => {
    const s = samples[v]!.sort((a, b) => a - b)
    return { name, ns: s[Math.floor(s.length / 2)]! }
  })
}

/**
 * CPU ns/op of several async variants measured in interleaved rounds (round 1 of each, then round 2
 * of each, …), each reporting its median round: drift from other jobs on a shared machine hits them
 * all alike, where back-to-back measurements would hand it to whichever ran last.
 */
export const interleaved = async (
  variants: ReadonlyArray<readonly [name: string, op: () => Promise<unknown>]>,
  options: { readonly iterations: number; readonly rounds: number; readonly warmup: number }
): Promise<ReadonlyArray<Measure>> => {
  for (const [, op] of variants) for (let i = 0; i < options.warmup; i++) await op()
  const samples = variants.map(() => [] as Array<number>)
  for (let r = 0; r < options.rounds; r++) {
    for (let v = 0; v < variants.length; v++) {
      const op = variants[v]![1]
      const t0 = process.cpuUsage()
      for (let i = 0; i < options.iterations; i++) await op()
      const t = process.cpuUsage(t0)
      samples[v]!.push(((t.user + t.system) * 1000) / options.iterations)
    }
  }
  return variants.map(([name], v) => {
    const s = samples[v]!.sort((a, b) => a - b)
    return { name, ns: s[Math.floor(s.length / 2)]! }
  })
}

const fmt = (ns: number) => ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`

/**
 * Prints one comparison: `subject` against `baseline`, with the goal as a ratio bound.
 * `goal` is "≤ x" (subject/baseline at most x) or "≥ x" (baseline/subject at least x: "x times cheaper").
 */
export const compare = (
  subject: Measure,
  baseline: Measure,
  goal?: { readonly kind: "at most" | "cheaper by at least"; readonly ratio: number }
): { readonly ratio: number; readonly met: boolean | undefined } => {
  const ratio = subject.ns / baseline.ns
  let met: boolean | undefined
  let goalText = ""
  if (goal !== undefined) {
    met = goal.kind === "at most" ? ratio <= goal.ratio : baseline.ns / subject.ns >= goal.ratio
    goalText = goal.kind === "at most"
      ? `  goal ≤ ${goal.ratio}x: ${met ? "met" : "NOT met"}`
      : `  (${(baseline.ns / subject.ns).toFixed(1)}x cheaper) goal ≥ ${goal.ratio}x cheaper: ${
        met ? "met" : "NOT met"
      }`
  }
  console.log(
    `  ${subject.name.padEnd(66)} ${fmt(subject.ns).padStart(9)}  vs ${baseline.name} ${fmt(baseline.ns)}  = ${
      ratio.toFixed(2)
    }x${goalText}`
  )
  return { ratio, met }
}

export const section = (title: string) => console.log(`\n## ${title}`)
