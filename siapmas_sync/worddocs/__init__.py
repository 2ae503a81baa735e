"""Editable Word copies (.docx): the placeholder values per document kind and the
template machinery. Public API and the placeholder reference: :mod:`siapmas_sync.worddocs.render`."""
