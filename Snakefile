# mnist-ablation: a LeNet-style CNN ablation study on MNIST-style datasets.
# The stages live in workflow/rules/; config/README.md explains the study's settings.


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/tuning.smk"
include: "workflow/rules/lecture.smk"


rule all:
    default_target: True
    input:
        get_final_targets(),
