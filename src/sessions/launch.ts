/** The placeholder the runner replaces with the in-sandbox LLM relay URL when it writes models.json. */
export const LLM_URL_PLACEHOLDER = "@OCTO_LLM_URL@";
