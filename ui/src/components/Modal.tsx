import { Dialog } from "@kobalte/core/dialog";
import X from "lucide-solid/icons/x";
import type { JSX } from "solid-js";

/**
 * A modal dialog on Kobalte's primitive: focus trap, Escape, return of focus, aria-labelledby.
 * A bottom sheet on phones (see components.css).
 */
export function Modal(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: string;
  /** Extra class on the dialog (a wide one, e.g.). */
  class?: string;
  children: JSX.Element;
}) {
  return (
    <Dialog open={props.open} onOpenChange={props.onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay class="dialog-overlay" />
        <div class="dialog-positioner">
          <Dialog.Content class={props.class ? `dialog ${props.class}` : "dialog"}>
            <div class="row" style={{ "margin-bottom": "0.75rem" }}>
              <Dialog.Title as="h2" style={{ margin: 0 }}>
                {props.title}
              </Dialog.Title>
              <span class="spacer" />
              <Dialog.CloseButton class="btn ghost icon" aria-label="Close">
                <X size={18} />
              </Dialog.CloseButton>
            </div>
            {props.description && (
              <Dialog.Description class="muted small" style={{ "margin-top": "-0.25rem" }}>
                {props.description}
              </Dialog.Description>
            )}
            {props.children}
          </Dialog.Content>
        </div>
      </Dialog.Portal>
    </Dialog>
  );
}
