// Renders translation strings the way Home Assistant's frontend does: each one is an ICU
// message parsed and formatted by intl-messageformat. Reads a JSON object {key: message} on
// standard input and prints a JSON object {key: error} of the messages that fail.
import { IntlMessageFormat } from "intl-messageformat";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const messages = JSON.parse(Buffer.concat(chunks).toString("utf8"));

// Every placeholder gets a plain value, as the backend's description_placeholders would.
const anyValue = new Proxy({}, { has: () => true, get: () => "x" });

const failures = {};
for (const [key, message] of Object.entries(messages)) {
  try {
    new IntlMessageFormat(message, "en").format(anyValue);
  } catch (error) {
    failures[key] = String(error.message ?? error).split("\n")[0];
  }
}
process.stdout.write(JSON.stringify(failures));
