"""The catalog of document types (catalogs/documentos.yaml), validated when loaded."""

from functools import cached_property, lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from kpt_workflow.base.errors import DefinitionError, InvalidInput
from kpt_workflow.base.media import Format
from kpt_workflow.base.validation import IDENTIFIER, read_catalog
from kpt_workflow.base.words import render

CATALOG_PATH = Path(__file__).parent / "catalogs" / "documentos.yaml"
DATE_ANCHORS = ("anio_electoral", "eleccion", "inicio_periodo")


class DocumentType(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=IDENTIFIER)
    label: str
    description: str
    basis: str
    requires_number: bool = False
    justifiable: bool = False
    justified_with: tuple[str, ...] = Field(default=(), description=(
        "documents that must be filed for a justified absence of this one to stand in its place"))
    not_before: str = Field(default="eleccion", description=(
        "earliest plausible legal date: anio_electoral, eleccion, inicio_periodo, or a document code "
        "whose filed legal date it cannot precede"))
    formats: tuple[Format, ...] = Field(default=("pdf",), min_length=1, description=(
        "the file formats a filing of this type may be (judged by its bytes): a legal act is a PDF"))
    public: bool = Field(default=False, description=(
        "shown and downloadable without login (/publico) once filed: acts and concepts the law makes public"))
    public_once: tuple[str, ...] = Field(default=(), description=(
        "for a public type: documents one of which must be filed first (the parts of the plan become public "
        "with the act that adopts it; before it they are a draft)"))

    def label_for(self, entity_kind: str) -> str:
        return render(self.label, entity_kind)


class DocumentCatalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    documents: tuple[DocumentType, ...]

    def get(self, code: str) -> DocumentType:
        document = self.by_code.get(code)
        if document is not None:
            return document
        known = ", ".join(d.code for d in self.documents)
        raise InvalidInput(f"Tipo de documento desconocido '{code}'. Use uno de: {known}.", field="doc_type")

    @cached_property
    def by_code(self) -> dict[str, DocumentType]:
        """Each type by its code: every rule of a step's checklist looks its documents up."""
        return {document.code: document for document in self.documents}

    def codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.documents)

    def answering(self, code: str) -> tuple[DocumentType, ...]:
        """The types whose act answers `code`'s (their `not_before` names it): a concept answers
        its radicado, an approval the filing with the council."""
        return tuple(d for d in self.documents if d.not_before == code)


def document_label(code: str, entity_kind: str) -> str:
    """A document type as people read it, in the entity's words (a type the catalog no longer
    lists, as such)."""
    document = load_catalog().by_code.get(code)
    return document.label_for(entity_kind) if document is not None else "documento sin catálogo"


@lru_cache(maxsize=None)
def load_catalog(path: Path = CATALOG_PATH) -> DocumentCatalog:
    catalog = read_catalog(path, DocumentCatalog, DocumentCatalog.codes, "documents")
    codes = catalog.codes()
    for i, document in enumerate(catalog.documents):
        if len(set(document.formats)) != len(document.formats):
            raise DefinitionError(f"{path}: documents[{i}].formats: formato repetido en {list(document.formats)}; "
                                  f"nombre cada formato una vez.")
        unknown = [code for code in document.justified_with if code not in codes]
        if unknown or (document.justified_with and not document.justifiable):
            raise DefinitionError(f"{path}: documents[{i}].justified_with: {unknown or document.justified_with} "
                                  f"{'no son códigos de documento' if unknown else 'exige justifiable: true'}.")
        unknown = [code for code in document.public_once if code not in codes]
        if unknown or (document.public_once and not document.public):
            raise DefinitionError(f"{path}: documents[{i}].public_once: {unknown or document.public_once} "
                                  f"{'no son códigos de documento' if unknown else 'exige public: true'}.")
        if document.not_before not in (*DATE_ANCHORS, *codes):
            raise DefinitionError(f"{path}: documents[{i}].not_before: '{document.not_before}' no es "
                                  f"{' / '.join(DATE_ANCHORS)} ni un código de documento.")
    return catalog

