# Reference values from semTools::compRelSEM (CFA-based reliability per factor) for
# tests/reference/test_composite_reliability.py. Rerunnable from the repository root:
#   Rscript tests/reference/r/composite_reliability_reference.R
suppressPackageStartupMessages({library(lavaan); library(semTools); library(jsonlite)})

out <- list(meta = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                        semTools = as.character(packageVersion("semTools"))))
hs <- read.csv("tests/reference/data/HolzingerSwineford1939.csv")
m_hs <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
synth <- read.csv("tests/reference/data/synth_items.csv")
m_synth <- paste("REFL =~ REFL1 + REFL2 + REFL3 + REFL4 + REFL5",
                 "EXPR =~ EXPR1 + EXPR2 + EXPR3 + EXPR4",
                 "LEID =~ LEID1 + LEID2 + LEID3 + LEID4 + LEID5", sep = "\n")
ability <- read.csv("tests/reference/data/ability.csv")
m_ability <- paste("reason =~ reason.4 + reason.16 + reason.17 + reason.19",
                   "letter =~ letter.7 + letter.33 + letter.34 + letter.58", sep = "\n")

rel <- function(fit) {
  r <- compRelSEM(fit)
  if (is.data.frame(r)) lapply(seq_len(nrow(r)), function(i) as.list(r[i, ])) else as.list(r)
}
out$hs <- list(model = m_hs, rel = rel(cfa(m_hs, data = hs)))
out$hs_groups <- list(model = m_hs, group = "school", rel = rel(cfa(m_hs, data = hs, group = "school")),
                      groups = lavInspect(cfa(m_hs, data = hs, group = "school"), "group.label"))
out$synth_ml <- list(model = m_synth, rel = rel(cfa(m_synth, data = synth)))
out$synth_wlsmv <- list(model = m_synth, rel = rel(cfa(m_synth, data = synth, ordered = TRUE)))
out$synth_theta <- list(model = m_synth, rel = rel(cfa(m_synth, data = synth, ordered = TRUE,
                                                       parameterization = "theta")))
out$ability_wlsmv <- list(model = m_ability, rel = rel(cfa(m_ability, data = ability, ordered = TRUE)))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           "tests/reference/r/composite_reliability_reference.json")
