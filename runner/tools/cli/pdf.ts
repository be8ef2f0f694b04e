import { extractText, getDocumentProxy } from "unpdf";
import { fail, ok, type Result } from "../../../src/protocol/errors.ts";

/** A PDF's text, page by page (unpdf ships a serverless build of Mozilla's pdf.js). */
export async function pdfToText(bytes: Uint8Array): Promise<Result<{ title: string; text: string }>> {
  try {
    const pdf = await getDocumentProxy(new Uint8Array(bytes));
    const { totalPages, text } = await extractText(pdf, { mergePages: false });
    const meta = await pdf.getMetadata().catch(() => null);
    const info = (meta?.info ?? {}) as { Title?: unknown };
    const pages = text.map((page, i) => `## Page ${i + 1} of ${totalPages}\n\n${page.trim()}`);
    return ok({ title: typeof info.Title === "string" ? info.Title : "", text: pages.join("\n\n") });
  } catch (e) {
    return fail("fetch_failed", `cannot read the PDF: ${(e as Error).message.split("\n")[0]}`);
  }
}
