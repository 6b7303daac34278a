/**
 * After `npm run build`: every entry point of the exports map loads from dist/ (as users get it, with
 * no `source` condition) and exposes its namespaces. Run by .ci/run.
 */
import { readFileSync } from "node:fs"

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { exports: Record<string, unknown> }
for (const entry of Object.keys(pkg.exports)) {
  const specifier = entry === "." ? "effect-faults" : `effect-faults/${entry.slice(2)}`
  const mod = await import(specifier)
  const names = Object.keys(mod)
  if (names.length === 0) throw new Error(`${specifier} exports nothing`)
  console.log(`dist: ${specifier} → ${names.join(", ")}`)
}
