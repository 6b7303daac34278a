/**
 * `npm run bench`: every benchmark of the library, each as ratios against a baseline measured in the
 * same run. Sections: core (fault creation, public view), then each module that ships a `bench/*.ts`.
 */
const sections = ["./core.ts", "./policy.ts", "./http.ts", "./http-client.ts", "./queue.ts", "./rpc.ts", "./secure.ts"]
const only = process.argv.slice(2)
console.log(`effect-faults benchmarks — node ${process.version}, CPU time per operation (median of rounds)`)
for (const path of sections) {
  if (only.length > 0 && !only.some((o) => path.includes(o))) continue
  await (await import(path)).run()
}
