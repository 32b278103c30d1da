"""`make bench`: the pipeline's cost at several scales, against baselines measured in the
same run. See bench/__main__.py."""
