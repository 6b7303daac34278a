/**
 * `npm run bench`: every benchmark of the library, each as ratios against a baseline measured in the
 * same run. Sections: core (fault creation, public view), then each module that ships a `bench/*.ts`.
 */
const sections = ["./core.ts", "./policy.ts", "./http.ts", "./http-client.ts", "./queue.ts", "./rpc.ts", "./secure.ts"]
const only = process.argv.slice(2)
console.log(`effect-faults benchmarks — node ${process.version}, CPU time per operation (median of rounds)`)
for (const path of sections) {
  if (only.length > 0 && !only.some((o) => path.includes(o))) continue
  const mod = await import(path).catch((e) => {
    if ((e as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && String(e).includes(path.slice(2))) return undefined
    throw e
  })
  if (mod !== undefined) await mod.run()
}
