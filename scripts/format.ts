/**
 * Formatting with dprint (the formatter Effect itself uses), through its Wasm plugin and JS host so
 * that no platform binary is needed: `npm run format` rewrites, `npm run check-format` only checks.
 * Settings are read from dprint.json.
 */
import { createContext } from "@dprint/formatter"
import * as typescript from "@dprint/typescript"
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const config = JSON.parse(readFileSync("dprint.json", "utf8"))
const context = createContext({ lineWidth: config.lineWidth ?? 120, indentWidth: 2 })
context.addPlugin(readFileSync(typescript.getPath()), config.typescript ?? {})

const roots = ["src", "test", "examples", "bench", "scripts"]
const walk = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : path.endsWith(".ts") ? [path] : []
  })

const check = process.argv.includes("--check")
const changed: Array<string> = []
for (const file of roots.flatMap(walk)) {
  const text = readFileSync(file, "utf8")
  const formatted = context.formatText({ filePath: file, fileText: text })
  if (formatted !== text) {
    changed.push(file)
    if (!check) writeFileSync(file, formatted)
  }
}
if (check && changed.length > 0) {
  console.error(`not formatted (run npm run format):\n${changed.join("\n")}`)
  process.exit(1)
}
console.log(check ? "format: all files formatted" : `format: ${changed.length} file(s) rewritten`)
