"""Builds the apps with their translations compiled: git keeps only the .po files.

Everything else about the package is in pyproject.toml. The compiler is babel's (a build
requirement), which writes the same GNU .mo format that msgfmt writes and Django reads.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

APPS = ("crm", "qualification")


class build_py_with_translations(build_py):  # noqa: N801 - setuptools command naming
    """Copies the packages as usual, then writes a .mo beside each app's .po in the build."""

    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        root = Path(__file__).resolve().parent
        for app in APPS:
            for po_path in sorted((root / app / "locale").glob("*/LC_MESSAGES/*.po")):
                relative = po_path.relative_to(root).with_suffix(".mo")
                mo_path = Path(self.build_lib) / relative
                mo_path.parent.mkdir(parents=True, exist_ok=True)
                with po_path.open("rb") as po_file:
                    catalog = read_po(po_file, locale=po_path.parts[-3])
                # Left out as msgfmt leaves them out: untranslated entries (babel would
                # write a plural's msgid as its translation) and fuzzy ones.
                for message in list(catalog)[1:]:
                    strings = message.string if message.pluralizable else (message.string,)
                    if not any(strings):
                        catalog.delete(message.id, context=message.context)
                with mo_path.open("wb") as mo_file:
                    write_mo(mo_file, catalog, use_fuzzy=False)
                self.announce(f"compiled {relative}", level=2)


setup(cmdclass={"build_py": build_py_with_translations})
