// The choice shown when a save was made from a stale copy: a table of the fields that differ
// between the user's copy and the server's, with "Reload theirs" and "Overwrite with mine".

export class ConflictView {
  #elements;

  /**
   * @param {Object<string, HTMLElement>} elements region (hidden while there is no conflict),
   *     heading (focusable with tabindex="-1"), rows (tbody), reloadButton and overwriteButton
   * @param {object} actions
   * @param {() => void} actions.onReload puts the server copy into the form
   * @param {() => void} actions.onOverwrite saves the user's copy over the server copy
   */
  constructor(elements, { onReload, onOverwrite }) {
    this.#elements = elements;
    elements.reloadButton.addEventListener('click', onReload);
    elements.overwriteButton.addEventListener('click', onOverwrite);
  }

  /**
   * Lists `changes` and moves focus to the heading, so keyboard and screen reader users land on
   * the choice.
   * @param {{name: string, label: string, mine: string, theirs: string}[]} changes
   */
  show(changes) {
    const { region, heading, rows } = this.#elements;
    const built = changes.map((change) => createRow(change));
    if (built.length === 0) {
      // Only the revision changed, for example when another tab saved the same values.
      built.push(createNoteRow('No field differs. The server copy was saved again meanwhile.'));
    }
    rows.replaceChildren(...built);
    region.hidden = false;
    heading.focus();
  }

  hide() {
    this.#elements.region.hidden = true;
    this.#elements.rows.replaceChildren();
  }
}

function createRow({ name, label, mine, theirs }) {
  const row = document.createElement('tr');
  row.dataset.field = name;
  const header = document.createElement('th');
  header.scope = 'row';
  header.textContent = label;
  const mineCell = document.createElement('td');
  mineCell.textContent = mine;
  const theirsCell = document.createElement('td');
  theirsCell.textContent = theirs;
  row.append(header, mineCell, theirsCell);
  return row;
}

function createNoteRow(text) {
  const row = document.createElement('tr');
  const cell = document.createElement('td');
  cell.colSpan = 3;
  cell.textContent = text;
  row.append(cell);
  return row;
}
