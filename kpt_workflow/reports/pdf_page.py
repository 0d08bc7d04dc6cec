"""What every PDF the system prints shares (fpdf2's core fonts, no system libraries): the text
made printable in Latin-1, and a page whose every sheet starts with the synthetic demo's banner
when the data is the demo's."""

from fpdf import FPDF

FONT = "Helvetica"
SYNTHETIC = "DATOS SINTÉTICOS DE DEMOSTRACIÓN: ningún documento, fecha, número ni valor corresponde a una entidad real."


def latin1(value: object) -> str:
    """The core PDF fonts are Latin-1: keep Spanish accents, replace what Latin-1 lacks."""
    return str(value).replace("✓", "Sí").replace("✗", "No").replace("→", "->").replace("…", "...") \
        .replace("–", "-").replace("—", "-") \
        .encode("latin-1", "replace").decode("latin-1")


class BannerPDF(FPDF):
    """An A4 whose every page starts with `banner` (the synthetic demo's, or none)."""

    def __init__(self, banner: str | None, orientation: str = "P") -> None:
        super().__init__(orientation=orientation, format="A4")
        self.banner = banner

    def header(self) -> None:
        if self.banner:
            self.set_font(FONT, "B", 10)
            self.set_fill_color(255, 243, 205)
            self.multi_cell(0, 7, new_x="LMARGIN", new_y="NEXT", text=latin1(self.banner), border=1, fill=True)
            self.ln(2)
