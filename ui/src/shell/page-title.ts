import { createEffect } from "solid-js";

/** Each page names itself in the tab title. */
export const usePageTitle = (title: () => string) =>
  createEffect(() => {
    document.title = `${title()} · octo`;
  });
