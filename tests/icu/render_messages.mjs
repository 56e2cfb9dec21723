// Renders translation strings the way Home Assistant's frontend does: each one is an ICU
// message parsed and formatted by intl-messageformat. Reads a JSON object on standard input,
// {key: message} or {key: {message, values}}, and prints {rendered: {key: text},
// failures: {key: error}}. A message given without values gets a plain value for every
// placeholder, as the backend's description_placeholders would.
import { IntlMessageFormat } from "intl-messageformat";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const messages = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const anyValue = new Proxy({}, { has: () => true, get: () => "x" });

const rendered = {};
const failures = {};
for (const [key, item] of Object.entries(messages)) {
  const { message, values } = typeof item === "string" ? { message: item, values: anyValue } : item;
  try {
    rendered[key] = new IntlMessageFormat(message, "en").format(values);
  } catch (error) {
    failures[key] = String(error.message ?? error).split("\n")[0];
  }
}
process.stdout.write(JSON.stringify({ rendered, failures }));
