import click
@click.command('scan')
def scan():
    pass

