# The entry point for `snakemake` run from the repository root. The workflow is
# workflow/Snakefile, where the Snakemake Workflow Catalog and modules look for it.


include: "workflow/Snakefile"


# Snakemake takes the default target only from rules of the Snakefile it runs,
# never from an included one (snakemake/snakemake#2773), hence this line.
workflow.default_target = "all"
