from cecert import main

main()
