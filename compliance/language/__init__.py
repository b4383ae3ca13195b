"""The product's words, in no particular language until a renderer asks: findings as codes and
parameters (`phrases`), the gettext catalogs and the locale's dates (`i18n`, catalogs in
`compliance/locale`), and the words for the codes a report carries (`labels`).

May import: nothing of ours. Everything above may import it."""
