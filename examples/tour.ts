/**
 * `npm run example`: a short tour of effect-faults, on embedded defaults (in-memory queue, loopback
 * servers). Pass `--rabbitmq` to run the queue scenario on the real broker too.
 */
const chapters = ["./core.ts", "./policy.ts", "./http.ts", "./http-client.ts", "./queue.ts", "./rpc.ts", "./secure.ts"]
for (const path of chapters) {
  const mod = await import(path).catch((e) => {
    if ((e as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && String(e).includes(path.slice(2))) return undefined
    throw e
  })
  if (mod !== undefined) await mod.run()
}
