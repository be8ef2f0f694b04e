import {
  type SearchSettingsBody,
  SearchStatusSchema,
  SearchTestAnswerSchema,
} from "../../../src/protocol/tools.ts";
import { api } from "../api/http.ts";

/** Admin: the agents' web search backend (contracts in src/protocol/tools.ts). Keys are write-only. */

const base = "/api/admin/search";

export const searchStatus = () => api("GET", base, SearchStatusSchema);
export const saveSearch = (body: SearchSettingsBody) => api("PUT", base, SearchStatusSchema, { body });
/** Forget the saved backend: config.toml's `[search]` applies again. */
export const clearSearch = () => api("DELETE", base, SearchStatusSchema);
/** One real query through the saved backend; a failure comes back with its code. */
export const testSearch = (query: string) =>
  api("POST", `${base}/test`, SearchTestAnswerSchema, { body: { query } });
