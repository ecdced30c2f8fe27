"""The generated sections of a model card: text between `<!-- evaluate:KEY:begin -->`
and `<!-- evaluate:KEY:end -->`, replaced whole each time a script records its figures."""
import os

from training.common.paths import WEIGHTS

README = os.path.join(WEIGHTS, "README.md")  # the small CNN's card
BEGIN, END = "<!-- evaluate:{}:begin -->", "<!-- evaluate:{}:end -->"


def write_section(readme, key, text):
    """Replaces the text between `key`'s markers in the model card (appends them if absent)."""
    begin, end = BEGIN.format(key), END.format(key)
    block = f"{begin}\n{text}\n{end}"
    old = open(readme).read() if os.path.exists(readme) else ""
    if begin in old and end in old:
        new = old[:old.index(begin)] + block + old[old.index(end) + len(end):]
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + block + "\n"
    with open(readme, "w") as f:
        f.write(new)
