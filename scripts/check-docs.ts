/**
 * Docs lint: every exported declaration under src/ (outside internal/) has a JSDoc block with an
 * `@example`. Run by `npm run lint`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"

const walk = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === "internal" ? [] : walk(path)
    return path.endsWith(".ts") ? [path] : []
  })

const missing: Array<string> = []
for (const file of walk("src")) {
  const lines = readFileSync(file, "utf8").split("\n")
  lines.forEach((line, i) => {
    const match = /^export (?:declare )?(?:abstract )?(?:const|function|class|interface|type|let) ([A-Za-z0-9_$]+)/
      .exec(line)
    if (match === null) return
    // find the JSDoc block that ends right above the declaration
    let j = i - 1
    while (j >= 0 && lines[j]!.trim() === "") j--
    if (j < 0 || !lines[j]!.trim().endsWith("*/")) return void missing.push(`${file}:${i + 1} ${match[1]} (no JSDoc)`)
    let k = j
    while (k >= 0 && !lines[k]!.trim().startsWith("/**")) k--
    const block = lines.slice(k, j + 1).join("\n")
    if (!block.includes("@example")) missing.push(`${file}:${i + 1} ${match[1]} (no @example)`)
  })
}
if (missing.length > 0) {
  console.error(`${missing.length} exported declarations lack a JSDoc @example:\n${missing.join("\n")}`)
  process.exit(1)
}
console.log("docs: every export has a JSDoc @example")
