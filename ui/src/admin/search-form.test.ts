import { describe, expect, test } from "bun:test";
import type { SearchStatus } from "../../../src/protocol/tools.ts";
import { searchFormBody, searchSummary } from "./search-form.ts";

const none: SearchStatus = {
  configured: false,
  backend: null,
  url: null,
  source: null,
  key: { configured: false },
  timeout_ms: 10_000,
};
const braveStored: SearchStatus = {
  configured: true,
  backend: "brave",
  url: "https://api.search.brave.com/res/v1/web/search",
  source: "settings",
  key: { configured: true },
  timeout_ms: 10_000,
};

describe("the search form", () => {
  test("SearXNG needs an http(s) address", () => {
    expect(searchFormBody({ backend: "searxng", url: " ", api_key: "" }, none)).toMatchObject({
      ok: false,
      field: "url",
    });
    expect(searchFormBody({ backend: "searxng", url: "ftp://x", api_key: "" }, none)).toMatchObject({
      ok: false,
      field: "url",
    });
    expect(searchFormBody({ backend: "searxng", url: " http://127.0.0.1:8888 ", api_key: "" }, none)).toEqual(
      {
        ok: true,
        body: { backend: "searxng", url: "http://127.0.0.1:8888" },
      },
    );
  });

  test("Brave needs a key unless one is stored; an empty URL is Brave's own", () => {
    expect(searchFormBody({ backend: "brave", url: "", api_key: "" }, none)).toMatchObject({
      ok: false,
      field: "api_key",
    });
    expect(searchFormBody({ backend: "brave", url: "", api_key: "a b" }, none)).toMatchObject({
      ok: false,
      field: "api_key",
    });
    expect(searchFormBody({ backend: "brave", url: "", api_key: "k1" }, none)).toEqual({
      ok: true,
      body: { backend: "brave", api_key: "k1" },
    });
    expect(searchFormBody({ backend: "brave", url: "", api_key: "" }, braveStored)).toEqual({
      ok: true,
      body: { backend: "brave" },
    });
  });

  test("the summary says where the backend comes from", () => {
    expect(searchSummary(none)).toContain("Not set up");
    expect(searchSummary(braveStored)).toBe("Brave Search API, saved here.");
    expect(searchSummary({ ...braveStored, backend: "searxng", source: "config" })).toBe(
      "SearXNG (JSON API), from the config file.",
    );
  });
});
