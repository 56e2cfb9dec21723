// Renders Markdown the way Home Assistant's frontend renders a notification's message: with the
// frontend's own markdown worker (marked, then its HTML sanitizer), loaded from the installed
// home-assistant-frontend package. Usage: node render_markdown.mjs WORKER.js < message.md
// Prints the HTML the frontend would put on the page.
import { readFileSync } from "node:fs";

const [workerFile] = process.argv.slice(2);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const markdown = Buffer.concat(chunks).toString("utf8");

// The worker exposes renderMarkdown over Comlink: answer its messages as a browser would.
const listeners = [];
globalThis.self = globalThis;
globalThis.addEventListener = (type, listener) => listeners.push(listener);
globalThis.postMessage = (reply) => {
  if (reply.type !== "RAW") {
    process.stderr.write(`unexpected reply: ${JSON.stringify(reply)}\n`);
    process.exit(1);
  }
  process.stdout.write(reply.value.join(""));
};
(0, eval)(readFileSync(workerFile, "utf8"));

// ha-markdown renders notifications with breaks and GitHub-flavoured Markdown.
const call = {
  id: "render",
  type: "APPLY",
  path: ["renderMarkdown"],
  argumentList: [markdown, { breaks: true, gfm: true }, {}].map((value) => ({
    type: "RAW",
    value,
  })),
};
for (const listener of listeners) listener({ data: call, ports: [] });
