import { ModelsResponse } from "../../../src/protocol/llm.ts";
import { api } from "./http.ts";

/** The models people pick from, and the server's default (chat, project settings and admin all read it). */
export const listModels = () => api("GET", "/api/models", ModelsResponse);
