// Messages in an aria-live status region. The region element must stay in the document while
// empty, because screen readers announce changes only in live regions that already exist.

export class StatusRegion {
  /** @param {HTMLElement} element a container with role="status" and aria-live="polite" */
  constructor(element) {
    this.element = element;
  }

  info(message) {
    this.#show('info', '', message);
  }

  success(message) {
    this.#show('success', '', message);
  }

  /**
   * Shows `context` followed by the error's message and, when the server sent one, its request
   * ID, which lets an operator find the request in the server log.
   */
  error(context, error) {
    let message = `${context}: ${error.message}`;
    if (!/[.!?]$/.test(message)) {
      message += '.';
    }
    if (error.requestId) {
      message += ` Request ID: ${error.requestId}.`;
    }
    this.#show('error', 'Error: ', message);
  }

  clear() {
    this.element.replaceChildren();
    delete this.element.dataset.kind;
  }

  #show(kind, label, message) {
    const parts = [];
    if (label) {
      const labelElement = document.createElement('span');
      labelElement.className = 'status__label';
      labelElement.textContent = label;
      parts.push(labelElement);
    }
    parts.push(document.createTextNode(message));
    this.element.dataset.kind = kind;
    this.element.replaceChildren(...parts);
  }
}
