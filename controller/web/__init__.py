"""`massagectl web`: a local web console for authoring programs and watching devices.

    authoring.py      the library, a program's page data, validate/check/save of editor text (no HTTP)
    program_routes.py the authoring pages and their JSON API
    livestate.py      DeviceStatus as the JSON the live page draws, and the body maps
    live_routes.py    the live page, the one WebSocket that pushes state, and device commands
    security.py       loopback-or-token, host and origin checks, bounded bodies, response headers
    app.py            the Starlette application that puts these together
    server.py         running it under uvicorn, and what it says at start
Templates and static files ship in the package; no build step, no CDN.
"""
