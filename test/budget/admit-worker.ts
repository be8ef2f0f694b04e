// A separate process admitting calls against the same database as the test: argv = db path, user,
// session, count. Waits for "go" on stdin so all workers start together; prints how many it admitted.
import { createBudgetGate } from "../../src/llm/budget.ts";
import { openMainDb } from "../../src/storage/main-db.ts";

const [path, userId, sessionId, count] = process.argv.slice(2) as [string, string, string, string];
const db = openMainDb(path);
if (!db.ok) throw new Error(db.error.message);
const gate = createBudgetGate({
  db: db.value,
  defaults: { user_monthly_usd: 0, session_usd: 0, user_rpm: 0 },
});
const model = {
  id: "m",
  context_window: 1000,
  max_tokens: 1000,
  reasoning: false,
  images: false,
  input_price: 0,
  output_price: 10,
};
process.stdout.write("ready\n");
for await (const _ of console) break;
let admitted = 0;
for (let i = 0; i < Number(count); i++) {
  const a = gate.admit({ userId, sessionId, ref: "fx/m", model, estimate: 0.01 });
  if (a.ok) admitted++;
}
process.stdout.write(`${admitted}\n`);
db.value.close();
