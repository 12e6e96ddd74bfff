"""`python -m dutydesk`: how the workflows run it from a checkout, without building a wheel."""

from dutydesk.cli import main

main()
