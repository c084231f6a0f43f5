from mamori.cli import main

main()
